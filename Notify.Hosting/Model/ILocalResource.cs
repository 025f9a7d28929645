namespace Notify.Hosting.Model;

/// <summary>Anything in the app model: a server, a database on it, or a project.</summary>
public interface ILocalResource
{
    string Name { get; }
}

/// <summary>A resource a project can reference as <c>ConnectionStrings__{Name}</c>.</summary>
public interface IResourceWithConnectionString : ILocalResource;
