// Units the benchmarks print in, one rounding for all of them.

export const mebibytes = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

export const seconds = (milliseconds: number): number => Math.round(milliseconds / 10) / 100;
