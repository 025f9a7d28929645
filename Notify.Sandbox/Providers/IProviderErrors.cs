namespace Notify.Sandbox.Providers;

/// <summary>How one provider words the failures the sandbox injects, in its own status codes and body shape.</summary>
public interface IProviderErrors
{
    string Provider { get; }

    IResult Throttled(int retryAfterSeconds);

    IResult ServerError();

    IResult Unavailable(int retryAfterSeconds);
}
