using Notify.Sms;

// The SMS channel process: the shared delivery engine with Twilio as its provider.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
