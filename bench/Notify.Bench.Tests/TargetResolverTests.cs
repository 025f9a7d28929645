using Notify.Bench.Cli;
using Notify.Bench.Targeting;

namespace Notify.Bench.Tests;

public sealed class TargetResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("notify-bench-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static BenchOptions Send(params string[] extra) => ArgumentParser.Parse(["send", .. extra]);

    private string WriteRepository()
    {
        File.WriteAllText(Path.Combine(_root, "Notify.sln"), "");
        Directory.CreateDirectory(Path.Combine(_root, ".notify"));
        File.WriteAllText(Path.Combine(_root, ".notify", "endpoints.json"), """
            {"developmentApiKey":"nfy_dev","connectionStrings":{"notifydb":"Host=x","redis":"y"},
             "resources":{"ingress":{"endpoints":{"grpc":"http://127.0.0.1:5101","http":"http://127.0.0.1:5100"}}}}
            """);
        var nested = Path.Combine(_root, "bench", "Notify.Bench");
        Directory.CreateDirectory(nested);
        return nested;
    }

    [Fact]
    public void Finds_the_ingress_grpc_endpoint_and_key_from_a_subfolder_of_the_repository()
    {
        var target = TargetResolver.Resolve(Send(), WriteRepository(), environmentKey: null);

        Assert.Equal(new Uri("http://127.0.0.1:5101"), target.Address);
        Assert.Equal("nfy_dev", target.ApiKey);
    }

    [Fact]
    public void Command_line_and_environment_override_the_file()
    {
        var cwd = WriteRepository();

        Assert.Equal("nfy_env", TargetResolver.Resolve(Send(), cwd, "nfy_env").ApiKey);
        var target = TargetResolver.Resolve(Send("--api-key", "nfy_arg", "--address", "http://10.0.0.1:9"), cwd, "nfy_env");
        Assert.Equal(("nfy_arg", new Uri("http://10.0.0.1:9")), (target.ApiKey, target.Address));
    }

    [Fact]
    public void A_missing_endpoints_file_says_to_start_the_apphost()
    {
        File.WriteAllText(Path.Combine(_root, "Notify.sln"), "");

        var error = Assert.Throws<TargetNotFoundException>(() => TargetResolver.Resolve(Send(), _root, null));
        Assert.Contains("scripts/run.sh", error.Message);
    }
}
