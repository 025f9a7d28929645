using Notify.Ingress;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

await app.CheckDependenciesAsync();

app.MapDefaultEndpoints();
app.MapNotifyApi();

app.Run();

/// <summary>The ingress's entry point, named for tests that host it in-process.</summary>
public partial class Program;
