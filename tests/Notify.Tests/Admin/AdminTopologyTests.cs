using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Notify.AppHost;
using Notify.Grpc.Admin.V1;
using Notify.Tests.Topology;

namespace Notify.Tests.Admin;

/// <summary>The ingress with the AppHost's development admin secrets, without channel processes (not needed here).</summary>
public sealed class AdminTopologyFixture : TopologyFixture
{
    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with { IncludeChannels = false };
}

/// <summary>The AppHost's development admin secrets: passed to the ingress, written to endpoints.json for notifyctl and curl.</summary>
public sealed class AdminTopologyTests(AdminTopologyFixture topology) : IClassFixture<AdminTopologyFixture>
{
    [Fact]
    public async Task The_endpoints_file_holds_a_development_admin_token_the_real_ingress_accepts_over_grpc_and_http()
    {
        await EndpointsFile.WriteAsync(topology.App, topology.Topology);
        using var file = JsonDocument.Parse(await File.ReadAllTextAsync(topology.Topology.EndpointsFilePath));
        var admin = file.RootElement.GetProperty("admin");
        var token = admin.GetProperty("token").GetString()!;
        var httpBase = admin.GetProperty("http").GetString()!;

        var tenants = await topology.Admin.ListTenantsAsync(new ListTenantsRequest(),
            new global::Grpc.Core.Metadata { { "authorization", "Bearer " + token } });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, httpBase + "/admin/v1/dead-letters");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", topology.Topology.Admin!.Mint("viewer", "topology-viewer"));
        using var response = await http.SendAsync(request);

        Assert.Contains(tenants.Tenants, t => t.Name == "dev");
        Assert.True(admin.GetProperty("replayHmacSecret").GetString()!.Length >= 32);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(Path.Combine(topology.Topology.StateDirectory, DevelopmentAdminSecrets.SigningKeyFileName)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(Path.Combine(topology.Topology.StateDirectory, DevelopmentAdminSecrets.ReplaySecretFileName)));
        }
    }

    [Fact]
    public void The_secrets_are_kept_per_state_directory_and_the_token_is_minted_again()
    {
        var again = DevelopmentAdminSecrets.LoadOrCreate(topology.Topology.StateDirectory);

        Assert.Equal(topology.Topology.Admin!.SigningKey, again.SigningKey);
        Assert.Equal(topology.Topology.Admin.ReplayHmacSecret, again.ReplayHmacSecret);
    }
}
