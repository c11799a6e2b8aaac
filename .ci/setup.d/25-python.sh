# Command models (tests/command_model_test.ts) run Python models with Debian's python3; numpy and
# a C compiler are optional (the tests that need them are skipped without them). Sourced by
# .ci/run: installs only what is missing, starts nothing. Before 30-python-readers.sh, which
# installs its pip packages into this python3.
psweep_python_missing=()
command -v python3 >/dev/null 2>&1 || psweep_python_missing+=(python3 python3-numpy)
if command -v python3 >/dev/null 2>&1 && ! python3 -c "import numpy" >/dev/null 2>&1; then
  psweep_python_missing+=(python3-numpy)
fi
if [ "${#psweep_python_missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${psweep_python_missing[@]}") \
    >/dev/null 2>&1 ||
    echo "could not install ${psweep_python_missing[*]}: the command-model tests that need them are skipped"
fi
unset psweep_python_missing
