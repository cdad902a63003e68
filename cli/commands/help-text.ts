/** The examples section every command's help ends with. */
export const examples = (lines: string[]): string =>
  `\nExamples:\n${lines.map((line) => (line.startsWith('#') ? `  ${line}` : `  $ ${line}`)).join('\n')}\n`;
