using Notify.Webhook;

// The webhook channel process: the shared delivery engine posting signed webhooks to
// tenants' endpoints through the SSRF guard.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults().WithoutHttpResilience();   // the delivery engine owns timeouts, retries and circuits
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
