import type { ValueTransformer } from 'typeorm';

/** BIGINT columns come back from mysql2 as strings; epoch milliseconds and ids fit a JS number. */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};

/** A string list stored as JSON text (MariaDB's JSON is LONGTEXT anyway). */
export const jsonStringList: ValueTransformer = {
  to: (value: string[] | null | undefined) => JSON.stringify(value ?? []),
  from: (value: string | null) => (value ? (JSON.parse(value) as string[]) : []),
};

/** A number list stored as JSON text. */
export const jsonNumberList: ValueTransformer = {
  to: (value: number[] | null | undefined) => JSON.stringify(value ?? []),
  from: (value: string | null) => (value ? (JSON.parse(value) as number[]) : []),
};
