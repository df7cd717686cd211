import { InvalidArgumentError } from 'commander';

/** Parses a positive whole number option, so `-n abc` fails at once with a usage message. */
export function count(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`'${value}' is not a positive whole number.`);
  return Number(value);
}

/** A TCP port; 0 asks the system for a free one. */
export function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError(`'${value}' is not a port (0-65535).`);
  return Number(value);
}
