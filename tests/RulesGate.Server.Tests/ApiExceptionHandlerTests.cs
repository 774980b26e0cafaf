using Microsoft.AspNetCore.Http;
using RulesGate.Server.Api;

namespace RulesGate.Server.Tests;

public sealed class ApiExceptionHandlerTests
{
    [Fact]
    public async Task AnInternalError_IsWrittenForTheOperator_InOneLine_WithWhereItWasThrown()
    {
        using var errors = new StringWriter();
        var context = new DefaultHttpContext { Request = { Method = "GET", Path = "/v1/changelog\nrulesgate serve: forged" }, Response = { Body = new MemoryStream() } };

        await new ApiExceptionHandler(errors).TryHandleAsync(context, Thrown(), CancellationToken.None);

        Assert.Equal(500, context.Response.StatusCode);
        var line = Assert.Single(errors.ToString().ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"rulesgate serve: internal error answering GET /v1/changelog rulesgate serve: forged: InvalidOperationException: broken state second line (at {typeof(ApiExceptionHandlerTests).FullName}.{nameof(Thrown)})", line);
    }

    [Fact]
    public async Task BadInput_IsTheCallersToRead_AndNotWrittenForTheOperator()
    {
        using var errors = new StringWriter();
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await new ApiExceptionHandler(errors).TryHandleAsync(context, new FormatException("qty: not a number"), CancellationToken.None);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Empty(errors.ToString());
    }

    private static InvalidOperationException Thrown()
    {
        try
        {
            throw new InvalidOperationException("broken state\nsecond line");
        }
        catch (InvalidOperationException error)
        {
            return error;
        }
    }
}
