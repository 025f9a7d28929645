using System.Text.Json;

namespace Notify.Sandbox.Providers.SendGrid;

/// <summary>
/// The Mail Send checks SendGrid makes before accepting: every problem at once, each naming the
/// offending path the way SendGrid does (<c>personalizations.0.to.0.email</c>).
/// </summary>
public static class MailSendValidator
{
    private const int MaxPersonalizations = 1000;

    public static List<SendGridError> Validate(JsonElement body)
    {
        var errors = new List<SendGridError>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("The request body must be a JSON object.", null));
            return errors;
        }

        var hasTemplate = body.TryGetProperty("template_id", out var template) && template.ValueKind == JsonValueKind.String && template.GetString()!.Length > 0;
        var everyPersonalizationHasSubject = true;

        if (!body.TryGetProperty("personalizations", out var personalizations) || personalizations.ValueKind != JsonValueKind.Array || personalizations.GetArrayLength() == 0)
        {
            errors.Add(new("The personalizations field is required and must have at least one personalization.", "personalizations"));
            everyPersonalizationHasSubject = false;
        }
        else if (personalizations.GetArrayLength() > MaxPersonalizations)
        {
            errors.Add(new($"The personalizations field must have at most {MaxPersonalizations} personalizations.", "personalizations"));
        }
        else
        {
            var i = 0;
            foreach (var personalization in personalizations.EnumerateArray())
            {
                ValidatePersonalization(personalization, $"personalizations.{i}", errors);
                everyPersonalizationHasSubject &= personalization.ValueKind == JsonValueKind.Object && IsNonEmptyString(personalization, "subject");
                i++;
            }
        }

        if (!body.TryGetProperty("from", out var from) || from.ValueKind != JsonValueKind.Object || !from.TryGetProperty("email", out _))
        {
            errors.Add(new("The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.", "from"));
        }
        else if (!IsEmail(from.GetProperty("email")))
        {
            errors.Add(new("The from email does not contain a valid address.", "from.email"));
        }

        if (!hasTemplate && !everyPersonalizationHasSubject && !IsNonEmptyString(body, "subject"))
        {
            errors.Add(new("The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.", "subject"));
        }

        if (body.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array && content.GetArrayLength() > 0)
        {
            var i = 0;
            foreach (var block in content.EnumerateArray())
            {
                if (block.ValueKind != JsonValueKind.Object || !IsNonEmptyString(block, "type"))
                {
                    errors.Add(new("The content type must be a string at least one character in length.", $"content.{i}.type"));
                }
                if (block.ValueKind != JsonValueKind.Object || !IsNonEmptyString(block, "value"))
                {
                    errors.Add(new("The content value must be a string at least one character in length.", $"content.{i}.value"));
                }
                i++;
            }
        }
        else if (!hasTemplate)
        {
            errors.Add(new("Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.", "content"));
        }

        ValidateCustomArgs(body, "custom_args", errors);
        return errors;
    }

    private static void ValidatePersonalization(JsonElement personalization, string path, List<SendGridError> errors)
    {
        if (personalization.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("Each personalization must be an object.", path));
            return;
        }
        if (!personalization.TryGetProperty("to", out var to) || to.ValueKind != JsonValueKind.Array || to.GetArrayLength() == 0)
        {
            errors.Add(new("The to array is required for all personalization objects, and must have at least one email object with a valid email address.", $"{path}.to"));
        }
        else
        {
            ValidateAddresses(to, $"{path}.to", errors);
        }
        foreach (var list in new[] { "cc", "bcc" })
        {
            if (personalization.TryGetProperty(list, out var addresses) && addresses.ValueKind == JsonValueKind.Array)
            {
                ValidateAddresses(addresses, $"{path}.{list}", errors);
            }
        }
        ValidateCustomArgs(personalization, $"{path}.custom_args", errors);
    }

    private static void ValidateAddresses(JsonElement addresses, string path, List<SendGridError> errors)
    {
        var j = 0;
        foreach (var address in addresses.EnumerateArray())
        {
            if (address.ValueKind != JsonValueKind.Object || !address.TryGetProperty("email", out var email) || !IsEmail(email))
            {
                errors.Add(new("Does not contain a valid address.", $"{path}.{j}.email"));
            }
            j++;
        }
    }

    private static void ValidateCustomArgs(JsonElement parent, string path, List<SendGridError> errors)
    {
        var name = path[(path.LastIndexOf('.') + 1)..];
        if (!parent.TryGetProperty(name, out var args))
        {
            return;
        }
        if (args.ValueKind != JsonValueKind.Object || args.EnumerateObject().Any(a => a.Value.ValueKind != JsonValueKind.String))
        {
            errors.Add(new("Custom args must be an object whose values are strings.", path));
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(args.GetRawText()) > 10_000)
        {
            errors.Add(new("Custom args may not exceed 10,000 bytes.", path));
        }
    }

    private static bool IsNonEmptyString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0;

    private static bool IsEmail(JsonElement email)
    {
        if (email.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        var value = email.GetString()!;
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == value.LastIndexOf('@') && at < value.Length - 1 && value.IndexOf('.', at) > at + 1
            && !value.Any(char.IsWhiteSpace) && value.Length <= 320;
    }
}
