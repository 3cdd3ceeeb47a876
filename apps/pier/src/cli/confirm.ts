/** Reads one line from stdin: the typed confirmation of a deletion. */
export async function readLine(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  for await (const line of console) return line.trim();
  return "";
}
