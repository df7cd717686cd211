import { InvalidArgumentError } from 'commander';

/** Parses a positive whole number option, so `-n abc` fails at once with a usage message. */
export function count(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number.`);
  return Number(value);
}
