/* The C baseline of bench/mpi_report.ts: the same MPI calls as MpiManager's collectives, in a C
 * loop. Built by the benchmark with `mpicc -shared` and called through Deno's FFI from the same
 * ranks, alternating with the psweep calls, so that both see the same machine at the same time.
 * Not part of the library. Each function returns the mean seconds per call over `iters` calls. */
#include <mpi.h>
#include <stdlib.h>

double bench_barrier(int iters) {
  double t0 = MPI_Wtime();
  for (int i = 0; i < iters; i++) MPI_Barrier(MPI_COMM_WORLD);
  return (MPI_Wtime() - t0) / iters;
}

double bench_allreduce(int n, int iters) {
  double *send = malloc(sizeof(double) * n), *recv = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) send[i] = i;
  double t0 = MPI_Wtime();
  for (int i = 0; i < iters; i++) MPI_Allreduce(send, recv, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  double t = (MPI_Wtime() - t0) / iters;
  free(send), free(recv);
  return t;
}

double bench_gatherv(int n, int iters) {
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  double *send = malloc(sizeof(double) * n), *recv = malloc(sizeof(double) * n * size);
  int *counts = malloc(sizeof(int) * size), *displs = malloc(sizeof(int) * size);
  for (int i = 0; i < n; i++) send[i] = i;
  for (int p = 0; p < size; p++) counts[p] = n, displs[p] = p * n;
  double t0 = MPI_Wtime();
  for (int i = 0; i < iters; i++)
    MPI_Gatherv(send, n, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  double t = (MPI_Wtime() - t0) / iters;
  free(send), free(recv), free(counts), free(displs);
  return t;
}
