using Notify.Ingress;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

if (!await app.CheckDependenciesAsync())
{
    return 1;
}

app.MapDefaultEndpoints();
app.MapNotifyApi();

await app.RunAsync();
return 0;
