# Start "the project's Python" from Elixir with no JSON library: `pitstop python --nul`
# prints NUL-terminated `tag=value` records (schema=, kind=, argv= one per element, env=NAME=VALUE,
# unset=NAME, path_prepend=DIR, cwd=DIR; on failure error=, fix=, code= and a non-zero exit).
#
#     elixir worker.exs            (PITSTOP="python3 -m pitstop" to use another pitstop)

[pitstop | pre] = String.split(System.get_env("PITSTOP") || "pitstop", " ")
{out, status} = System.cmd(pitstop, pre ++ ["python", "--nul"])

records =
  out
  |> String.split(<<0>>, trim: true)
  |> Enum.map(fn record ->
    [tag, value] = String.split(record, "=", parts: 2)
    {tag, value}
  end)

values = fn tag -> for {^tag, value} <- records, do: value end

if status != 0 do
  IO.puts(:stderr, "pitstop: #{Enum.join(values.("error"), " ")}\nfix: #{Enum.join(values.("fix"), " ")}")
  System.halt(status)
end

[exe | args] = values.("argv")

path =
  Enum.join(values.("path_prepend") ++ [System.get_env("PATH") || ""], ":")

env =
  Enum.map(values.("env"), fn kv ->
    [name, value] = String.split(kv, "=", parts: 2)
    {name, value}
  end) ++ Enum.map(values.("unset"), fn name -> {name, nil} end) ++ [{"PATH", path}]

cwd = List.first(values.("cwd")) || File.cwd!()
code = "import sys; print(f'worker says: prefix={sys.prefix}')"

{_, worker_status} =
  System.cmd(exe, args ++ ["-c", code], env: env, cd: cwd, into: IO.stream(:stdio, :line))

System.halt(worker_status)
