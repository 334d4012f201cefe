// TypeDoc plugin: documents the members ts-proto writes without a comment in protocol's
// src/generated/ (the codec object beside each message interface, `_unknownFields`, and the
// `UNRECOGNIZED` enum member), so `pnpm docs` can require documentation on everything else.
import { Comment, Converter, ReflectionKind } from 'typedoc';

const GENERATED_DIR = '/src/generated/';

function isGenerated(reflection) {
  return (reflection.sources ?? []).some((source) => source.fullFileName.includes(GENERATED_DIR));
}

function text(markdown) {
  return new Comment([{ kind: 'text', text: markdown }]);
}

function describe(reflection) {
  if (reflection.kindOf(ReflectionKind.Variable)) {
    return (
      `Protobuf codec of {@link ${reflection.name}}: \`encode\`, \`decode\`, \`create\` and ` +
      '`fromPartial` (the last two drop `_unknownFields`: spread a decoded object to keep them).'
    );
  }
  if (reflection.kindOf(ReflectionKind.Property) && reflection.name === '_unknownFields') {
    return (
      'Fields this schema does not model, by field number, as read from the wire; `encode` ' +
      'writes them back unchanged.'
    );
  }
  if (reflection.kindOf(ReflectionKind.EnumMember) && reflection.name === 'UNRECOGNIZED') {
    return 'A number this schema does not know (as decoded from a newer sender).';
  }
  return undefined;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const kinds = ReflectionKind.Variable | ReflectionKind.Property | ReflectionKind.EnumMember;
    for (const reflection of context.project.getReflectionsByKind(kinds)) {
      if (reflection.comment || !isGenerated(reflection)) continue;
      const markdown = describe(reflection);
      if (markdown !== undefined) reflection.comment = text(markdown);
    }
  });
}
