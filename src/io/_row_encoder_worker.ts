// Internal: the worker side of RowEncoder (./_row_encoder.ts): psweep's own encoder and no model
// code, answering each request in turn.
/// <reference lib="deno.worker" />
import { encodeRows, freeBytes } from "./_rows.ts";
import type { EncodeReply, EncodeRequest } from "./_row_encoder_protocol.ts";

self.onmessage = (e: MessageEvent<EncodeRequest>) => {
  const { id, formats, header, batch } = e.data;
  let reply: EncodeReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const bytes = encodeRows(formats, header, batch);
    reply = { id, bytes };
    transfer = bytes.map((b) => b.buffer as ArrayBuffer);
  } catch (error) {
    reply = {
      id,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
  // The rows are done with: their memory goes back now, not when this thread next collects
  // garbage, which a thread that makes few objects seldom does (see freeBytes).
  // (Every array here moved to this thread, several columns often on one buffer: each buffer
  // goes back whole.)
  const outputs = Array.isArray(batch.outputs) ? batch.outputs : [batch.outputs];
  const arrays = [batch.success, ...outputs, ...Object.values(batch.extra ?? {})];
  if (batch.params instanceof Float64Array) arrays.push(batch.params);
  for (const buffer of new Set(arrays.map((a) => a.buffer))) {
    if (buffer instanceof ArrayBuffer && !buffer.detached) freeBytes(new Uint8Array(buffer));
  }
  self.postMessage(reply, transfer);
};

// Requests wait in the RowEncoder until this module has loaded.
self.postMessage("ready");
