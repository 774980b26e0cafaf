using System.Formats.Cbor;
using RulesGate.Core.Gate;
using RulesGate.Core.Serialization;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Serialization;

/// <summary>Decisions as CBOR: the same JSON as the JSON writer, byte for byte, and hostile CBOR refused with a reason.</summary>
public sealed class CborDocumentTests
{
    /// <summary>One document written both ways by the same code.</summary>
    private static (string Json, byte[] Cbor) Both(Action<IDocumentWriter> write) =>
        (JsonText.Write(writer => write(new JsonSink(writer)), pretty: false), CborDocument.Write(writer => write(writer)));

    public static TheoryData<string> Requests() => [.. File.ReadLines(Repo.PathOf("samples", "capital", "requests.jsonl")).Where(line => line.Trim().Length > 0)];

    [Theory]
    [MemberData(nameof(Requests))]
    public void SampleRequestsAndTheirDecisions_TurnIntoTheSameJson(string line)
    {
        using var document = System.Text.Json.JsonDocument.Parse(line);
        var context = CapitalContextJson.ReadRequest(document.RootElement);
        var decision = Standard.Gate.Decide(context);

        var request = Both(writer => CapitalJson.WriteRequest(writer, context));
        var written = Both(writer => CapitalJson.WriteDecision(writer, decision));

        Assert.Equal(request.Json, CborDocument.ToJson(request.Cbor));
        Assert.Equal(written.Json, CborDocument.ToJson(written.Cbor));
        Assert.Equal(CapitalJson.Decision(decision), written.Json);
    }

    [Fact]
    public void EveryKindOfValue_RoundTripsToTheSameJson()
    {
        var (json, cbor) = Both(writer =>
        {
            writer.WriteStartObject();
            foreach (var value in new object?[] { 0.0, -0.0, 1.5, -2.25, 1e20, 5e-324, double.MaxValue, 1.50m, -0.001m, 79228162514264337593543950335m, long.MinValue, long.MaxValue, 23, 24, 255, 256, 65536, -1, -25, true, false, null, "", "Grüße 🚀 \"quoted\" \n", new string('x', 300), double.NaN })
            {
                writer.WritePropertyName($"k{value?.GetType().Name}{value}");
                JsonText.Value(writer, value);
            }

            writer.WriteStartArray("many"u8);
            for (var i = 0; i < 70_000; i++)
            {
                writer.WriteNumberValue(i);   // a head of five bytes, widened when the array is closed
            }

            writer.WriteEndArray();
            writer.WriteNumber("rounded"u8, Math.Round(4.0, 3));
            writer.WriteEndObject();
        });

        Assert.Equal(json, CborDocument.ToJson(cbor));
        Assert.Contains("\"kDecimal1.50\":1.50", json, StringComparison.Ordinal);
        Assert.Contains("\"kDoubleNaN\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_IsWhatAStrictCborReaderReads()
    {
        var cbor = Both(writer =>
        {
            writer.WriteStartObject();
            for (var i = 0; i < 30; i++)
            {
                writer.WriteNumber($"key{i}", i);   // 30 pairs: a map head of two bytes
            }

            writer.WriteEndObject();
        }).Cbor;

        var reader = new CborReader(cbor, CborConformanceMode.Strict);
        Assert.Equal(30, reader.ReadStartMap());
        Assert.Equal("key0", reader.ReadTextString());
        Assert.Equal(0, reader.ReadInt64());
    }

    [Fact]
    public void Writer_RefusesWhatJsonCannotSay()
    {
        Assert.Throws<ArgumentException>(() => CborDocument.Write(writer => writer.WriteNumberValue(double.PositiveInfinity)));
        Assert.Throws<InvalidOperationException>(() => CborDocument.Write(writer => writer.WriteEndObject()));
        Assert.Throws<InvalidOperationException>(() => CborDocument.Write(writer => writer.WriteStartArray()));
        Assert.Throws<InvalidOperationException>(() => CborDocument.Write(writer => writer.WritePropertyName("outside")));
    }

    [Theory]
    [InlineData("a1016161", "a map key (text)")]                       // {1: "a"}
    [InlineData("a16161616101", "bytes follow the document")]         // {"a": "a"} and a stray byte
    [InlineData("9f01ff", "indefinite length")]                       // [_ 1]
    [InlineData("9bffffffffffffffff", "claims")]                      // an array of 2^64 - 1 items in nine bytes
    [InlineData("7a00010000", "ends early")]                          // text of 65,536 bytes, none there
    [InlineData("f7", "no place in a JSON-shaped document")]          // undefined
    [InlineData("f93c00", "no place in a JSON-shaped document")]      // a half-precision 1.0: never written
    [InlineData("c074323031332d30332d32315432303a30343a30305a", "other than a decimal")] // a date tag
    [InlineData("1bffffffffffffffff", "too large")]                   // 2^64 - 1
    [InlineData("fb7ff8000000000000", "not a JSON-shaped CBOR document")] // NaN
    [InlineData("62c328", "is not UTF-8")]                            // text that is not UTF-8
    public void ToJson_HostileCbor_IsRefusedWithAReason(string hex, string reason)
    {
        var error = Assert.Throws<FormatException>(() => CborDocument.ToJson(Convert.FromHexString(hex)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_NestingPastTheLimit_IsRefusedNotAStackOverflow()
    {
        var deep = Enumerable.Repeat((byte)0x81, 100_000).Append((byte)0x01).ToArray();   // [[[…1…]]]

        var error = Assert.Throws<FormatException>(() => CborDocument.ToJson(deep));

        Assert.Contains($"nested deeper than {CborDocument.MaxDepth}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Span_SkipsOneItemAndBoundsEveryLength()
    {
        var cbor = Convert.FromHexString("a26161820102616263666f6f");   // {"a": [1, 2], "b": "foo"}
        var reader = new CborSpan(cbor);

        Assert.Equal(2, reader.Count(5, "a map"));
        Assert.True(reader.Text("a key").SequenceEqual("a"u8));
        Assert.Equal(Convert.FromHexString("820102"), reader.Skip().ToArray());
        Assert.True(reader.Text("a key").SequenceEqual("b"u8));
        Assert.True(reader.Text("text").SequenceEqual("foo"u8));
        Assert.Equal(0, reader.Remaining);
        Assert.Throws<FormatException>(() => new CborSpan(Convert.FromHexString("5a7fffffff00")).Bytes("bytes"));
    }
}
