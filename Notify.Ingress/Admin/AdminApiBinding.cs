using Grpc.Core;
using Notify.Ingress.Grpc;

namespace Notify.Ingress.Admin;

/// <summary>
/// How grpc-dotnet binds <see cref="AdminApi"/>: the generated binding, through
/// <see cref="MalformedMessageBinder"/> (undecodable requests are <c>INVALID_ARGUMENT</c>, not
/// <c>UNKNOWN</c>). <see cref="Descriptor"/> is what JSON transcoding looks up on the binding type.
/// </summary>
internal static class AdminApiBinding
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Notify.Grpc.Admin.V1.AdminService.Descriptor;

    public static void BindService(ServiceBinderBase binder, Notify.Grpc.Admin.V1.AdminService.AdminServiceBase service)
        => Notify.Grpc.Admin.V1.AdminService.BindService(new MalformedMessageBinder(binder), service);
}
