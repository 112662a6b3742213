package io.kldrift.crashtest;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.EnumSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.AbstractFileSystem;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FilterFs;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.local.LocalFs;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local {@code FileContext} file system ({@code fs.AbstractFileSystem.file.impl} in the crash
 * tests' runs; Delta's log store commits through it) that reports its creates and renames to {@link
 * CrashPoint}, which may hold them.
 */
public class PausingFs extends FilterFs {
  public PausingFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
    super(local(uri, conf));
  }

  private static AbstractFileSystem local(URI uri, Configuration conf) throws IOException {
    Configuration c = new Configuration(conf);
    c.set("fs.AbstractFileSystem.file.impl", LocalFs.class.getName());
    return AbstractFileSystem.get(uri, c);
  }

  @Override
  public FSDataOutputStream createInternal(
      Path f,
      EnumSet<CreateFlag> flag,
      FsPermission absolutePermission,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress,
      Options.ChecksumOpt checksumOpt,
      boolean createParent)
      throws IOException {
    CrashPoint.beforeCreate(f);
    return super.createInternal(
        f,
        flag,
        absolutePermission,
        bufferSize,
        replication,
        blockSize,
        progress,
        checksumOpt,
        createParent);
  }

  @Override
  public void renameInternal(Path src, Path dst) throws IOException {
    super.renameInternal(src, dst);
    CrashPoint.afterRename(src, dst);
  }

  @Override
  public void renameInternal(Path src, Path dst, boolean overwrite) throws IOException {
    super.renameInternal(src, dst, overwrite);
    CrashPoint.afterRename(src, dst);
  }
}
