using Google.Protobuf;
using Grpc.Core;

namespace Notify.Ingress.Grpc;

/// <summary>
/// Binds a generated gRPC service with request marshallers that refuse bytes which are not the
/// request message (a length running past the end, an unknown wire type, a cut-off message) with
/// <c>INVALID_ARGUMENT</c>. Left alone, grpc-dotnet treats the parser's exception as a bug in the
/// handler: the caller gets <c>UNKNOWN</c> ("Exception was thrown by handler") and every such
/// request logs an error with a stack trace, so anyone could fill the error log with garbage.
/// Used through <see cref="BindServiceMethodAttribute"/> on the service classes
/// (<see cref="NotifyApiBinding"/>, <c>Admin/AdminApiBinding</c>).
/// </summary>
internal sealed class MalformedMessageBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        => inner.AddMethod(Refusing(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        => inner.AddMethod(Refusing(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        => inner.AddMethod(Refusing(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        => inner.AddMethod(Refusing(method), handler);

    private static Method<TRequest, TResponse> Refusing<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class where TResponse : class
        => new(method.Type, method.ServiceName, method.Name, Refusing(method.RequestMarshaller), method.ResponseMarshaller);

    private static Marshaller<T> Refusing<T>(Marshaller<T> marshaller)
    {
        var deserialize = marshaller.ContextualDeserializer;
        var refusal = new Status(StatusCode.InvalidArgument, $"The request body is not a valid {typeof(T).Name} message.");
        return new Marshaller<T>(marshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            catch (InvalidProtocolBufferException)
            {
                // An RpcException is answered with its status and logged at Information, without a stack trace.
                throw new RpcException(refusal);
            }
        });
    }
}

/// <summary>
/// How grpc-dotnet binds <see cref="NotifyApi"/> (found through its <see cref="BindServiceMethodAttribute"/>; the
/// second parameter must be the generated base type, on which grpc-dotnet finds the overridden methods):
/// the generated binding, through <see cref="MalformedMessageBinder"/>. <see cref="Descriptor"/> is
/// what JSON transcoding looks up on the binding type.
/// </summary>
internal static class NotifyApiBinding
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Notify.Grpc.V1.NotifyService.Descriptor;

    public static void BindService(ServiceBinderBase binder, Notify.Grpc.V1.NotifyService.NotifyServiceBase service)
        => Notify.Grpc.V1.NotifyService.BindService(new MalformedMessageBinder(binder), service);
}
