using Notify.Sandbox.Control;

namespace Notify.Sandbox;

/// <summary>
/// The provider sandbox: one process that speaks SendGrid's, Twilio's, WhatsApp Cloud API's and
/// FCM's and APNs' wire protocols, and SMTP on its own port, records what arrived and injects
/// faults on request.
/// </summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults();
        builder.AddSandbox();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapSandboxControlApi();
        app.MapProviderApis();

        app.Run();
    }
}
