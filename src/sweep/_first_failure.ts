// Internal: which failed row a summary shows as its first failure, the same whether the summary
// was computed as rows streamed (ResultColumns) or from a kept result (summarizeResult).
import type { ResultsFormatName } from "../io/_formats.ts";

const FORMAT_WORDS: Record<ResultsFormatName, string> = {
  csv: "CSV",
  jsonl: "JSON Lines",
  arrow: "Arrow",
  h5: "HDF5",
  parquet: "Parquet",
};
const UNRECORDED =
  /^failed \(the (CSV|JSON Lines|Arrow|HDF5|Parquet) file does not record messages\)$/;

/** What a failed row read back from a file of this format records, as it keeps no message. */
export function unrecordedMessage(format: ResultsFormatName): string {
  return `failed (the ${FORMAT_WORDS[format]} file does not record messages)`;
}

/**
 * Whether the failure of `row` with `message` goes before `first`: the first row whose message is
 * known, else the first row. (A resumed run's rows read back from CSV have no message, and "the
 * file does not record messages" tells a user nothing when a later row says why it failed.)
 */
export function goesFirst(
  first: { readonly row: number; readonly message: string } | undefined,
  row: number,
  message: string,
): boolean {
  if (first === undefined) return true;
  const known = !UNRECORDED.test(message);
  const firstKnown = !UNRECORDED.test(first.message);
  return known === firstKnown ? row < first.row : known;
}
