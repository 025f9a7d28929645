// The sms channel process. Until the delivery engine lands (issue 3) it only joins the
// topology: it starts, checks its database and Redis, and answers its health endpoints.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("notifydb");
builder.AddRedisClient("redis");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
