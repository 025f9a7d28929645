using Notify.Email;
using Notify.Email.Receipts;

// The email channel process: the shared delivery engine with SendGrid first and SMTP as its
// failover provider (order and choice from Notify:Email:Providers).
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults().WithoutHttpResilience();   // the delivery engine owns timeouts, retries and circuits
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapEmailReceipts();

app.Run();
