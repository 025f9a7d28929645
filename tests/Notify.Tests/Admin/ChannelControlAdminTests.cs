using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Admin;

/// <summary>Pause and resume through the admin API: the actor recorded is the token's subject.</summary>
public sealed class ChannelControlAdminTests(AdminFixture ingress) : IClassFixture<AdminFixture>
{
    [Fact]
    public async Task Pause_and_resume_are_recorded_with_the_token_subject_as_actor()
    {
        var headers = ingress.AdminCredentials.Headers("operator", subject: "oncall-ana");

        var paused = await ingress.Admin.PauseChannelAsync(
            new ChannelControlRequest { Channel = "email", Provider = "sendgrid", Reason = "INC-7 SendGrid 5xx" }, headers);
        var resumed = await ingress.Admin.ResumeChannelAsync(
            new ChannelControlRequest { Channel = "email", Provider = "sendgrid", Reason = "INC-7 resolved" }, headers);
        var listed = await ingress.Admin.ListChannelControlsAsync(new ListChannelControlsRequest { Channel = "email" },
            ingress.AdminCredentials.Headers("viewer"));

        Assert.Equal((true, "oncall-ana", "INC-7 SendGrid 5xx"), (paused.Paused, paused.Actor, paused.Reason));
        Assert.NotNull(paused.PausedAt);
        Assert.Equal((false, "oncall-ana"), (resumed.Paused, resumed.Actor));
        var control = Assert.Single(listed.Controls);
        Assert.Equal(("sendgrid", false, "INC-7 resolved"), (control.Provider, control.Paused, control.Reason));
        Assert.Equal([("resume", "oncall-ana", true), ("pause", "oncall-ana", false)], listed.History.Select(e => (e.Action, e.Actor, e.WasPaused)));
        Assert.Equal(["PauseChannel OK", "ResumeChannel OK"], await ingress.AuditOfAsync("oncall-ana"));
    }

    [Fact]
    public async Task Bad_control_requests_name_the_field_and_change_nothing()
    {
        var headers = ingress.AdminCredentials.Headers("operator");

        var badProvider = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.PauseChannelAsync(new ChannelControlRequest { Channel = "webhook", Provider = "sendgrid", Reason = "x" }, headers).ResponseAsync);
        var noReason = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.PauseChannelAsync(new ChannelControlRequest { Channel = "webhook" }, headers).ResponseAsync);
        var badChannel = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.PauseChannelAsync(new ChannelControlRequest { Channel = "fax", Reason = "x" }, headers).ResponseAsync);
        var badHistory = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.ListChannelControlsAsync(new ListChannelControlsRequest { History = 101 }, headers).ResponseAsync);

        Assert.Equal(["provider"], Requests.ViolatedFields(badProvider));
        Assert.Equal(["reason"], Requests.ViolatedFields(noReason));
        Assert.Equal(["channel"], Requests.ViolatedFields(badChannel));
        Assert.Equal(["history"], Requests.ViolatedFields(badHistory));
        var listed = await ingress.Admin.ListChannelControlsAsync(new ListChannelControlsRequest { Channel = "webhook" }, headers);
        Assert.Empty(listed.Controls);
    }

    [Fact]
    public async Task Over_http_bad_input_is_400_with_the_bad_request_detail_naming_the_field()
    {
        var (status, body) = await PostAsync("/admin/v1/channels/fax:pause", """{"reason":"INC-9"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var detail = Assert.Single(body.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("@type").GetString());
        Assert.Equal("channel", detail.GetProperty("fieldViolations")[0].GetProperty("field").GetString());
    }

    /// <summary>JSON transcoding alone would drop the misspelt field and pause the whole channel instead of one provider.</summary>
    [Fact]
    public async Task Over_http_a_field_the_request_does_not_define_is_400_naming_it_and_changes_nothing()
    {
        var (status, body) = await PostAsync("/admin/v1/channels/push:pause", """{"reason":"INC-10 APNs","provder":"apns"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var detail = Assert.Single(body.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("@type").GetString());
        Assert.Equal("provder", detail.GetProperty("fieldViolations")[0].GetProperty("field").GetString());
        var listed = await ingress.Admin.ListChannelControlsAsync(new ListChannelControlsRequest { Channel = "push" }, ingress.AdminCredentials.Headers("viewer"));
        Assert.Empty(listed.Controls);
    }

    [Fact]
    public async Task Over_http_a_post_with_the_channel_in_the_path_pauses_it()
    {
        var (status, body) = await PostAsync("/admin/v1/channels/sms:pause", """{"reason":"INC-9 Twilio outage"}""", subject: "curl-carl");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("sms", true, "curl-carl"),
            (body.GetProperty("channel").GetString(), body.GetProperty("paused").GetBoolean(),
             body.GetProperty("actor").GetString()));
    }

    /// <summary>POSTs <paramref name="json"/> over HTTP with an operator token; the status and the parsed answer.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string subject = "test-admin")
    {
        using var http = ingress.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ingress.AdminCredentials.Token("operator", subject));
        using var response = await http.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }
}
