# MPI for the MpiManager tests: Debian's Open MPI and MPICH runtimes side by side (the tests call
# /usr/bin/mpirun.openmpi and /usr/bin/mpirun.mpich by full path). Sourced by .ci/run.
if [ ! -x /usr/bin/mpirun.openmpi ] || [ ! -x /usr/bin/mpirun.mpich ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openmpi-bin mpich) >/dev/null 2>&1 || echo "MPI could not be installed: the MPI tests will fail"
fi
# In CI the MPI tests run (a missing MPI fails them instead of skipping them).
export PSWEEP_MPI_REQUIRED=1
# MPICH's UCX transport takes SIGHUP for its debugger unless told not to.
export UCX_DEBUG_SIGNO=0
