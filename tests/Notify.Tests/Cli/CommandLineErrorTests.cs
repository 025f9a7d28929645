using System.Net;
using System.Net.Sockets;

namespace Notify.Tests.Cli;

/// <summary>
/// The exit codes scripts rely on: a bad command line is 2 and names what is wrong (nothing is
/// sent), missing credentials 4, an ingress that is not there 3, and JSON errors with --json.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CommandLineErrorTests(CliTopologyFixture topology)
{
    [Theory]
    [InlineData("CHANNEL", "channel", "pause", "carrier-pigeon", "--reason", "x")]
    [InlineData("--reason", "channel", "pause", "sms")]
    [InlineData("--provider", "channel", "pause", "all", "--provider", "sendgrid", "--reason", "x")]
    [InlineData("--ids", "dlq", "replay", "--tenant", "dev", "--reason", "x", "--ids", "not-a-uuid")]
    [InlineData("--ids", "dlq", "replay", "--tenant", "dev", "--reason", "x", "--ids", "0196c8c2-7c55-7000-8000-000000000001", "--channel", "sms")]
    [InlineData("--tenant", "dlq", "replay", "--reason", "x")]
    [InlineData("--since", "dlq", "list", "--since", "last tuesday")]
    [InlineData("DELIVERY_ID", "dlq", "show", "42")]
    [InlineData("NOTIFICATION_ID", "get", "42")]
    [InlineData("--max-batches", "cleanup", "run", "--max-batches", "0")]
    [InlineData("--grace", "tenant", "rotate-key", "dev", "--grace", "a while")]
    [InlineData("NAME", "tenant", "create", "no spaces allowed")]
    [InlineData("--channel", "send", "--channel", "fax", "--to", "x")]
    [InlineData("--data", "send", "--channel", "sms", "--to", "+14155550100", "--template", "t", "--data", "novalue")]
    [InlineData("--file", "template", "put", "--id", "t", "--channel", "sms", "--file", "/nonexistent/template.liquid")]
    [InlineData("--watch", "status", "--watch", "0")]
    [InlineData("--limit", "audit", "list", "--limit", "5000")]
    public async Task A_bad_argument_exits_2_naming_it_and_sends_nothing(string named, params string[] args)
    {
        var auditBefore = await AuditCountAsync();

        var result = await topology.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.Error);
        Assert.Equal("", result.Out);
        Assert.Equal(auditBefore, await AuditCountAsync());
    }

    [Fact]
    public async Task With_json_a_usage_error_is_a_json_object_on_standard_error()
    {
        var result = await topology.RunAsync("channel", "resume", "fax", "--reason", "x", "--json");

        Assert.Equal(2, result.ExitCode);
        var error = System.Text.Json.JsonDocument.Parse(result.Error).RootElement.GetProperty("error");
        Assert.Equal(2, error.GetProperty("exitCode").GetInt32());
        Assert.Contains("CHANNEL", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var result = await topology.RunAsync("dlq", "replay", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--confirm", result.Out);
    }

    [Fact]
    public async Task No_admin_token_exits_4_before_calling()
    {
        var endpoints = await EndpointsWithoutSecretsAsync();
        try
        {
            var result = await CliRun.RunAsync("--endpoints", endpoints, "status");

            Assert.True(result.ExitCode == 4, result.ToString());
            Assert.Contains("--token", result.Error);
        }
        finally
        {
            File.Delete(endpoints);
        }
    }

    [Fact]
    public async Task No_api_key_for_a_tenant_command_exits_4()
    {
        var endpoints = await EndpointsWithoutSecretsAsync();
        try
        {
            var result = await CliRun.RunAsync("--endpoints", endpoints, "template", "list");

            Assert.True(result.ExitCode == 4, result.ToString());
            Assert.Contains("--api-key", result.Error);
        }
        finally
        {
            File.Delete(endpoints);
        }
    }

    [Fact]
    public async Task A_wrong_api_key_is_refused_by_the_ingress_with_exit_4()
    {
        var result = await topology.RunAsync("--api-key", "nfy_not-a-key", "template", "list");

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("Unauthenticated", result.Error);
    }

    [Fact]
    public async Task An_unreachable_ingress_exits_3_naming_the_address()
    {
        var port = FreePort();

        var result = await topology.RunAsync("--ingress", $"http://127.0.0.1:{port}", "--api-key", "nfy_x", "--json", "template", "list");

        Assert.True(result.ExitCode == 3, result.ToString());
        var error = System.Text.Json.JsonDocument.Parse(result.Error).RootElement.GetProperty("error");
        Assert.Equal(3, error.GetProperty("exitCode").GetInt32());
        Assert.Contains($"127.0.0.1:{port}", error.GetProperty("message").GetString());
    }

    /// <summary>An endpoints file with the topology's ingress and nothing to authenticate with.</summary>
    private async Task<string> EndpointsWithoutSecretsAsync()
    {
        var path = Path.GetTempFileName();
        var grpc = topology.App.GetEndpoint("ingress", "grpc").ToString().TrimEnd('/');
        await File.WriteAllTextAsync(path, $$"""{ "resources": { "ingress": { "endpoints": { "grpc": "{{grpc}}" } } } }""");
        return path;
    }

    private async Task<long> AuditCountAsync() =>
        await topology.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'notify' AND tablename = 'audit_log'") == 0
            ? 0
            : await topology.ScalarAsync<long>("SELECT count(*) FROM notify.audit_log");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
