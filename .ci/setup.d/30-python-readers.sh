# Python's readers of psweep's results files (h5py, pyarrow, pandas, polars), for the tests
# that check each format reads back in Python (tests/results_formats_test.ts). Sourced by
# .ci/run. Without them those checks are skipped with a message, not failed.
if command -v python3 >/dev/null 2>&1; then
  if ! python3 -c "import h5py, pyarrow, pandas, polars" >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check h5py pyarrow pandas polars \
      >/dev/null 2>&1 ||
      python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
        h5py pyarrow pandas polars >/dev/null 2>&1 ||
      echo "pip could not install h5py pyarrow pandas polars: the Python reader checks will be skipped"
  fi
else
  echo "no python3: the Python reader checks will be skipped"
fi
