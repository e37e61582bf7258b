// Placeholder while the CLI is written (issue 5).
export async function main(_argv: readonly string[]): Promise<number> {
  return 0;
}
