// The Electron main process (window, menu, utility process broker) lands with the desktop workbench issue.
export {};
