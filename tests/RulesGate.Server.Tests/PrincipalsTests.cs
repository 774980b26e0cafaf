namespace RulesGate.Server.Tests;

/// <summary>The principals file: read strictly, tokens kept only as hashes, names normalized before they are compared.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrincipalsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-principals-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string File(string json)
    {
        var path = Path.Combine(folder, "principals.json");
        System.IO.File.WriteAllText(path, json);
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static string Entry(string name, string token, string roles = """["trader"]""") =>
        $$"""{"name": "{{name}}", "roles": {{roles}}, "token_sha256": "{{Principals.HashOf(token)}}"}""";

    [Fact]
    public void Authenticate_FindsThePrincipalByItsToken_AndNothingElse()
    {
        var token = Principals.NewToken();
        var principals = Principals.Read(File($$"""{"principals": [{{Entry("Ｄｅｓｋ-Bot", token)}}, {{Entry("risk", Principals.NewToken(), """["admin"]""")}}]}"""));

        var found = principals.Authenticate($"Bearer {token}");

        Assert.Equal("desk-bot", found!.Name);   // NFKC and lower case: one spelling of one name
        Assert.True(found.Has(Principals.TraderRole));
        Assert.Null(principals.Authenticate(token));
        Assert.Null(principals.Authenticate($"Bearer {token}x"));
        Assert.Null(principals.Authenticate("Basic " + token));
        Assert.Null(principals.Authenticate(null));
        Assert.Null(principals.Authenticate("Bearer " + new string('a', 600)));
        Assert.StartsWith("rg_", token, StringComparison.Ordinal);
        Assert.Equal(46, token.Length);
    }

    [Theory]
    [InlineData("""{"principals": []}""", "at least one")]
    [InlineData("""{"principals": [{"name": "a", "roles": ["trader"], "token_sha256": "ABC"}]}""", "64 lowercase hex digits")]
    [InlineData("""{"principals": [{"name": "a", "roles": [], "token_sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]}""", "a list of role names")]
    [InlineData("""{"principals": [{"name": "a", "roles": ["trader"], "token": "plain", "token_sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]}""", "token")]
    [InlineData("""{"principals": [{"name": "a", "roles": ["trader"], "token_sha256": "0000000000000000000000000000000000000000000000000000000000000000"}, {"name": "A", "roles": ["trader"], "token_sha256": "1111111111111111111111111111111111111111111111111111111111111111"}]}""", "given twice")]
    [InlineData("""{"principals": [{"name": "a", "roles": ["trader"], "token_sha256": "0000000000000000000000000000000000000000000000000000000000000000"}, {"name": "b", "roles": ["trader"], "token_sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]}""", "another principal's")]
    [InlineData("""{"principals": [], "principals": []}""", "")]
    [InlineData("""{"principals": [{"name": "a", "roles": ["trdaer"], "token_sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]}""", "'trdaer' is no role; write one of trader, automation")]
    public void Read_BadFiles_AreRefusedNamingTheEntry(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Principals.Read(File(json)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("principals.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void Read_AFileOthersMayWrite_IsRefused(UnixFileMode extra)
    {
        var path = File($$"""{"principals": [{{Entry("a", Principals.NewToken())}}]}""");
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | extra);

        var error = Assert.Throws<UnauthorizedAccessException>(() => Principals.Read(path));

        Assert.Contains("chmod go-w", error.Message, StringComparison.Ordinal);
    }
}
