using Notify.WhatsApp;
using Notify.WhatsApp.Receipts;

// The WhatsApp channel process: the shared delivery engine with Meta's Cloud API as its provider.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults().WithoutHttpResilience();   // the delivery engine owns timeouts, retries and circuits
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWhatsAppReceipts();

app.Run();
