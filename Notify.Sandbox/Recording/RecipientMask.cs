namespace Notify.Sandbox.Recording;

/// <summary>Recipients in logs keep only enough to tell them apart: <c>a***@example.com</c>, <c>***4567</c>.</summary>
public static class RecipientMask
{
    public static string Mask(string recipient)
    {
        var at = recipient.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return recipient[0] + "***" + recipient[at..];
        }
        return recipient.Length <= 4 ? "***" : "***" + recipient[^4..];
    }
}
