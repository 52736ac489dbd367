// Start "the project's Python" from Node without guessing: ask pitstop for the command.
// `pitstop python --json` prints {argv, env, cwd, path_prepend} for any kind of env
// (managed, venv, uv, poetry, pyenv, conda, docker, system).
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";

const pitstop = (process.env.PITSTOP || "pitstop").split(" ");
const cmd = JSON.parse(
  execFileSync(pitstop[0], [...pitstop.slice(1), "python", "--json"], { encoding: "utf8" }),
);

const env = { ...process.env, ...cmd.env };
if (cmd.path_prepend.length) {
  env.PATH = [...cmd.path_prepend, env.PATH].join(path.delimiter);
}

const code = "import sys; print(f'worker says: prefix={sys.prefix}')";
const worker = spawn(cmd.argv[0], [...cmd.argv.slice(1), "-c", code], {
  env,
  cwd: cmd.cwd ?? process.cwd(),
  stdio: "inherit",
});
worker.on("exit", (status) => process.exit(status ?? 1));
