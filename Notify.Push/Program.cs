using Notify.Push;

// The push channel process: the shared delivery engine with FCM (Android and FCM tokens) and
// APNs (Apple device tokens) as its providers, chosen by each delivery's platform.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults().WithoutHttpResilience();   // the delivery engine owns timeouts, retries and circuits
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
