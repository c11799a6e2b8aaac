// Internal: how a resumed sweep takes back the rows a previous run left on disk: it reads one
// results file, checks its metadata names the same sweep, and matches its rows to this sweep's.
import { matchRows } from "../io/match_rows.ts";
import { readSweepMeta, type SweepMeta } from "../io/sweep_meta.ts";
import { LATE_OUTPUTS, type OrderedFiles } from "./_ordered_files.ts";
import { unrecordedMessage } from "./_first_failure.ts";
import { paramRowsOf } from "./_param_rows.ts";
import type { ResultColumns } from "./_result_columns.ts";
import { sinkMeta, type SinkOptions } from "./_sink_options.ts";

/**
 * Takes into `columns` the rows of the first results file on disk, and has `files` continue
 * that file. Any file tells what is done; JSON Lines also keeps failed rows' messages. Only that
 * file is continued: the others (missing, or with rows the first lacks after a crash between
 * two writes) are rewritten from the result at the end.
 */
export async function resumeSink(
  o: SinkOptions,
  files: OrderedFiles,
  columns: ResultColumns,
): Promise<void> {
  for (const path of [o.jsonl, o.csv, o.arrow, o.h5, o.parquet]) {
    if (path !== undefined && await files.formatOf(path).exists(path)) {
      const names = await readBack(o, path, files, columns);
      if (names) files.continueFrom(path, names);
      return;
    }
  }
}

// Takes the rows a previous run of the same sweep left on disk, after checking it is the same;
// returns the file's output names, or undefined where its rows cannot be taken (see below).
async function readBack(
  o: SinkOptions,
  path: string,
  files: OrderedFiles,
  columns: ResultColumns,
): Promise<string[] | undefined> {
  let meta: SweepMeta;
  try {
    meta = await readSweepMeta(path, {
      expected: sinkMeta(o, o.outputs ?? []),
      // Output names found in the rows may differ from run to run; named ones must not.
      ignore: o.outputs === undefined
        ? ["outputNames", "version", LATE_OUTPUTS]
        : ["version", LATE_OUTPUTS],
    });
  } catch (e) {
    const message = (e as Error).message;
    // The metadata's own refusals already say "Cannot resume <path> as ...".
    throw new Error(
      message.startsWith("Cannot resume ")
        ? message
        : `Cannot resume from ${JSON.stringify(path)}: ${message}`,
      { cause: e },
    );
  }
  const late = meta[LATE_OUTPUTS];
  if (Array.isArray(late) && late.length > 0) {
    // Rows written after these outputs appeared lack their values, and nothing tells which rows
    // those are: taken back, they would count as successful without them. So none is taken:
    // the files start afresh and every row is computed again, which the result says.
    files.restart();
    columns.note(
      `The rows in ${JSON.stringify(path)} lacked the output${late.length > 1 ? "s" : ""} ${
        late.map((n) => JSON.stringify(n)).join(", ")
      }, which appeared after its first rows were written, as the run that wrote them stopped before adding ${
        late.length > 1 ? "them" : "it"
      }: every row was computed again`,
    );
    return undefined;
  }
  const disk = await files.formatOf(path).read(
    path,
    {
      ...(o.extra ? { extraNames: [...o.extra.names] } : {}),
      paramNames: o.paramNames,
      outputNames: meta.outputNames,
    },
    true,
  );
  const P = o.paramNames.length;
  const index = matchRows(
    { rows: disk.rows, columns: P, data: disk.params },
    { rows: o.rows, columns: P, data: paramRowsOf(o.params, o.rows, P).held() },
    { paramNames: o.paramNames },
  );
  columns.takeResumed(disk, index, unrecordedMessage(disk.format));
  return [...disk.outputNames];
}
