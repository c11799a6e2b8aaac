// The demo's reverse-osmosis model, as a model module of its own (it ships inside the package,
// at src/cli/demo/ro_model.ts, so that `deno run -A jsr:@x/psweep` can run it).
export * from "../../src/cli/demo/ro_model.ts";
