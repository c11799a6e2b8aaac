# Python's readers of psweep's results files (h5py, pyarrow, pandas, polars), for the tests
# that check each format reads back in Python (tests/results_formats_test.ts), and scipy, whose
# griddata the interpolation test compares with (tests/interpolate_nan_outputs_test.ts). Sourced
# by .ci/run. Without them those checks are skipped with a message, not failed.
psweep_py_packages=(h5py pyarrow pandas polars scipy)
if command -v python3 >/dev/null 2>&1; then
  if ! python3 -c "import h5py, pyarrow, pandas, polars, scipy" >/dev/null 2>&1; then
    if ! python3 -m pip --version >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends python3-pip) >/dev/null 2>&1 || echo "could not install python3-pip"
    fi
    python3 -m pip install --quiet --disable-pip-version-check "${psweep_py_packages[@]}" \
      >/dev/null 2>&1 ||
      python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
        "${psweep_py_packages[@]}" >/dev/null 2>&1 ||
      echo "pip could not install ${psweep_py_packages[*]}: the Python reader checks will be skipped"
  fi
else
  echo "no python3: the Python reader checks will be skipped"
fi
unset psweep_py_packages
