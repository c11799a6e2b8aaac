/* The C baseline of bench/mpi_report.ts: the same collectives on the same sizes, timed the same
 * way (median over 5 repeats of the mean over `iters` calls, after one warm-up repeat). Built by
 * the benchmark with mpicc; not part of the library. Prints one JSON line per case on rank 0. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void report(int rank, const char *op, int n, double *times) {
  qsort(times, 5, sizeof(double), cmp);
  if (rank == 0) printf("{\"op\":\"%s\",\"n\":%d,\"us\":%.3f}\n", op, n, times[2] * 1e6);
}

int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int sizes[] = {1000, 65536, 1048576};
  int iters[] = {1000, 100, 10};
  double times[5];
  for (int r = -1; r < 5; r++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < 2000; i++) MPI_Barrier(MPI_COMM_WORLD);
    if (r >= 0) times[r] = (MPI_Wtime() - t0) / 2000;
  }
  report(rank, "barrier", 0, times);
  for (int k = 0; k < 3; k++) {
    int n = sizes[k];
    double *send = malloc(sizeof(double) * n), *recv = malloc(sizeof(double) * n * size);
    int *counts = malloc(sizeof(int) * size), *displs = malloc(sizeof(int) * size);
    for (int i = 0; i < n; i++) send[i] = i;
    for (int p = 0; p < size; p++) counts[p] = n, displs[p] = p * n;
    for (int r = -1; r < 5; r++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      for (int i = 0; i < iters[k]; i++)
        MPI_Allreduce(send, recv, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      if (r >= 0) times[r] = (MPI_Wtime() - t0) / iters[k];
    }
    report(rank, "allreduce", n, times);
    for (int r = -1; r < 5; r++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      for (int i = 0; i < iters[k]; i++)
        MPI_Gatherv(send, n, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
      if (r >= 0) times[r] = (MPI_Wtime() - t0) / iters[k];
    }
    report(rank, "gatherv", n, times);
    free(send), free(recv), free(counts), free(displs);
  }
  MPI_Finalize();
  return 0;
}
