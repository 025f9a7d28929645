using Notify.Sms;
using Notify.Sms.Receipts;

// The SMS channel process: the shared delivery engine with Twilio as its provider.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults().WithoutHttpResilience();   // the delivery engine owns timeouts, retries and circuits
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapSmsReceipts();

app.Run();
