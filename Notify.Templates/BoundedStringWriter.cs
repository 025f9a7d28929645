using System.Globalization;

namespace Notify.Templates;

/// <summary>
/// A string writer that fails once the output passes a limit, so a template that multiplies
/// its output (nested loops over large data) fails fast instead of filling the worker's memory.
/// </summary>
internal sealed class BoundedStringWriter(int maxLength) : StringWriter(CultureInfo.InvariantCulture)
{
    public override void Write(char value)
    {
        Reserve(1);
        base.Write(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        Reserve(count);
        base.Write(buffer, index, count);
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        Reserve(buffer.Length);
        base.Write(buffer);
    }

    public override void Write(string? value)
    {
        Reserve(value?.Length ?? 0);
        base.Write(value);
    }

    private void Reserve(int count)
    {
        if (GetStringBuilder().Length + count > maxLength)
        {
            throw new InvalidOperationException($"The rendered template is longer than {maxLength} characters.");
        }
    }
}
