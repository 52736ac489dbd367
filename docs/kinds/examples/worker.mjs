// Start "the project's Python" from Node without guessing: ask pitstop for the command.
// `pitstop python --json` prints one document (docs/kinds/python-command.schema.json):
// {ok: true, kind, argv, env, unset, cwd, path_prepend, prefix, python} for any kind of env
// (managed, venv, uv, poetry, pyenv, conda, docker, system), or {ok: false, error} and a
// non-zero exit status.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";

const pitstop = (process.env.PITSTOP || "pitstop").split(" ");
const asked = spawnSync(pitstop[0], [...pitstop.slice(1), "python", "--json"], { encoding: "utf8" });
const cmd = JSON.parse(asked.stdout);
if (!cmd.ok) {
  console.error(`pitstop: ${cmd.error.message}\nfix: ${cmd.error.fix}`);
  process.exit(asked.status || 1);
}

const env = { ...process.env, ...cmd.env };
for (const name of cmd.unset) delete env[name];
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
