import { BenchHome } from './bench-home.js';
import { benchStartAndList } from './start-figures.js';

/**
 * Run by `npm run bench` as root, through runuser, as the rootless user it names: the frame start
 * and list figures under that user's rootless podman, written to stdout as JSON for the root run
 * to print beside its own. Progress and errors go to stderr.
 */
async function main(): Promise<void> {
  const home = await BenchHome.create({ start: 33800, end: 33899 });
  try {
    process.stdout.write(JSON.stringify(await benchStartAndList(home)));
  } finally {
    await home.dispose();
  }
}

main().catch((err: Error) => {
  console.error(`rootless bench failed: ${err.message}`);
  process.exitCode = 1;
});
