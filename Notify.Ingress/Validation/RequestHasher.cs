using System.Buffers;
using System.Collections;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Notify.Ingress.Validation;

/// <summary>
/// SHA-256 of a request in canonical form, to tell a retry (same hash) from a different
/// request reusing an idempotency key. Protobuf writes map entries in the order they were
/// parsed, which clients do not fix, so maps are sorted by key (recursively, including the
/// Struct inside template data) before serializing a copy.
/// </summary>
internal static class RequestHasher
{
    public static byte[] Hash<T>(T request) where T : IMessage<T>
    {
        if (!HasUnorderedMaps(request))
        {
            // The common case (no map with two or more entries): the wire form is already
            // canonical, so hash it without copying the request.
            return HashSerialized(request);
        }
        var copy = request.Clone();
        Canonicalize(copy);
        return HashSerialized(copy);
    }

    private static byte[] HashSerialized(IMessage message)
    {
        var size = message.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(buffer.AsSpan(0, size));
            return SHA256.HashData(buffer.AsSpan(0, size));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool HasUnorderedMaps(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType != FieldType.Message && !field.IsMap)
            {
                continue;
            }
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                if (((IDictionary)value).Count > 1)
                {
                    return true;
                }
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    if (entry.Value is IMessage nested && HasUnorderedMaps(nested))
                    {
                        return true;
                    }
                }
            }
            else if (field.IsRepeated)
            {
                foreach (var item in (IList)value)
                {
                    if (item is IMessage nested && HasUnorderedMaps(nested))
                    {
                        return true;
                    }
                }
            }
            else if (value is IMessage nested && HasUnorderedMaps(nested))
            {
                return true;
            }
        }
        return false;
    }

    private static void Canonicalize(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                SortMap((IDictionary)value, field.MessageType.FindFieldByNumber(2).FieldType == FieldType.Message);
            }
            else if (field.IsRepeated)
            {
                if (field.FieldType == FieldType.Message)
                {
                    foreach (IMessage item in (IList)value)
                    {
                        Canonicalize(item);
                    }
                }
            }
            else if (field.FieldType == FieldType.Message && value is IMessage nested)
            {
                Canonicalize(nested);
            }
        }
    }

    private static void SortMap(IDictionary map, bool valuesAreMessages)
    {
        if (map.Count == 0)
        {
            return;
        }
        var entries = new List<DictionaryEntry>(map.Count);
        foreach (DictionaryEntry entry in map)
        {
            entries.Add(entry);
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Key.ToString(), b.Key.ToString()));
        map.Clear();
        foreach (var entry in entries)
        {
            if (valuesAreMessages && entry.Value is IMessage nested)
            {
                Canonicalize(nested);
            }
            map.Add(entry.Key, entry.Value);
        }
    }
}
