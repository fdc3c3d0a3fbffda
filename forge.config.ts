import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerDMG } from '@electron-forge/maker-dmg';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';

/**
 * `npm run make`: builds (tsc + vite) then packages the desktop app for the
 * platform it runs on: deb + zip on Linux, dmg + zip on macOS, a Squirrel
 * installer on Windows. electron-builder.yml covers AppImage and nsis.
 * The app is dist/ (compiled main, preload, utility process, core and the
 * renderer bundle) plus assets/ (sample trace, icons); sources stay out.
 */
const config: ForgeConfig = {
  packagerConfig: {
    name: 'Mirage Workbench',
    executableName: 'mirage-workbench',
    appBundleId: 'dev.mirage.workbench',
    appCategoryType: 'public.app-category.developer-tools',
    icon: 'assets/icons/icon',
    // Worker threads (dataset and validation pools) load their modules from disk and the ES module
    // loader resolves their imports next to them: dist/core and the production node_modules stay
    // outside the archive, as do the wasm back end's .wasm files (read with fs). See electron-builder.yml.
    // The native training step (native/build/Release/mirage_native.node) is a shared library: it is
    // loaded from disk, so it stays outside the archive too; its sources and build files stay out of the app.
    asar: { unpack: '{**/*.wasm,**/*.node}', unpackDir: '{dist/core,dist/core/**,node_modules,node_modules/**,native/build/Release}' },
    prune: true,
    ignore: [
      /^\/(core|renderer|electron|e2e|bin|artifacts|runs|out|\.ci|\.github|\.vscode)(\/|$)/,
      /^\/dist\/(types|tsbuildinfo|core\/bench)(\/|$)/,
      /^\/native\/(?!build(\/Release(\/mirage_native\.node)?)?$)/,
      // Tests, their helpers and fixtures, type declarations and source maps are not the app.
      /\.(test|spec)\.js$/,
      /\.d\.ts$/,
      /^\/dist\/.*\/testing(\.js|\/)/,
      /\.map$/,
      /^\/(forge\.config\.ts|electron-builder\.yml|vite\.config\.ts|vitest\.config\.ts|eslint\.config\.js|tsconfig.*\.json)$/,
    ],
  },
  rebuildConfig: {},
  makers: [
    new MakerZIP({}, ['darwin', 'linux']),
    new MakerDeb({
      options: {
        name: 'mirage-workbench',
        maintainer: 'Mirage Workbench contributors <mirage-workbench@users.noreply.github.com>',
        productName: 'Mirage Workbench',
        genericName: 'Batch cluster service planner',
        categories: ['Science', 'Development'],
        icon: 'assets/icons/icon.png',
        homepage: 'https://github.com/zhaozhang/Mirage',
      },
    }),
    new MakerDMG({ name: 'Mirage Workbench', icon: 'assets/icons/icon.icns', format: 'ULFO' }),
    // Squirrel needs authors (and a description) or the Windows maker fails.
    new MakerSquirrel({
      name: 'mirage_workbench',
      authors: 'Mirage Workbench contributors',
      description: 'Keep long services alive on batch GPU clusters',
      setupIcon: 'assets/icons/icon.ico',
    }),
  ],
};

export default config;
