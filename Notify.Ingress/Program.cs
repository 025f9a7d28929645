using Notify.Ingress;
using Notify.Ingress.Admin;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

if (!await app.CheckDependenciesAsync())
{
    return 1;
}

app.MapDefaultEndpoints();
app.UseReplaySignature();
app.MapNotifyApi();
app.MapAdminApi();

await app.RunAsync();
return 0;
