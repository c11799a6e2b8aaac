// The one place tests take their assertions from, so that moving to @std/assert touches one file.
export {
  deepEqual as assertEquals,
  equal as assertStrictEquals,
  match as assertMatch,
  notEqual as assertNotEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
