using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Notify.Sandbox;
using Notify.Sandbox.Faults;

namespace Notify.Tests.Sandbox;

public sealed class ControlApiTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    [Fact]
    public async Task Invalid_fault_settings_and_unknown_providers_are_refused()
    {
        var unknown = await Sandbox.Client.PostAsJsonAsync("/sandbox/faults", new { provider = "pigeon", throttlePercent = 10 });
        var tooMuch = await Sandbox.Client.PostAsJsonAsync("/sandbox/faults", new { provider = "twilio", throttlePercent = 80, serverErrorPercent = 30 });
        var badPattern = await Sandbox.Client.PostAsJsonAsync("/sandbox/faults", new { provider = "twilio", invalidRecipientPattern = "([" });

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPattern.StatusCode);
    }

    [Fact]
    public async Task Reset_forgets_messages_counters_and_faults()
    {
        await Sandbox.SetFaultsAsync(new { provider = "sendgrid", serverErrorPercent = 100 });
        var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", SandboxFixture.SendGridKey);
        Assert.Equal(HttpStatusCode.InternalServerError, (await Sandbox.Client.SendAsync(request)).StatusCode);

        await Sandbox.ResetAsync();

        Assert.Equal(0, (await Sandbox.StatsAsync("sendgrid")).GetProperty("rejected").GetInt64());
        Assert.Equal("{}", await Sandbox.Client.GetStringAsync("/sandbox/faults"));
    }

    [Fact]
    public void Faults_from_configuration_apply_from_the_start_and_the_seed_shifts_the_cycle()
    {
        FaultDecision[] Run(int seed)
        {
            var options = new SandboxOptions { Seed = seed };
            options.Faults["Twilio"] = new FaultSettings { ThrottlePercent = 50 };
            var injector = new FaultInjector(Options.Create(options), TimeProvider.System);
            return [.. Enumerable.Range(0, 10).Select(_ => injector.Decide("twilio"))];
        }

        var seed0 = Run(0);
        Assert.IsType<FaultDecision.Throttle>(seed0[0]);
        Assert.Equal(seed0, Run(0));
        Assert.NotEqual(seed0, Run(60));
    }

    [Fact]
    public async Task The_sandbox_answers_health_checks()
    {
        Assert.Equal(HttpStatusCode.OK, (await Sandbox.Client.GetAsync("/health")).StatusCode);
    }
}
