import { useEffect } from 'react';
import { handleMenuCommand, openTraceWithPicker } from './actions.js';
import { AboutDialog } from './components/AboutDialog.js';
import { DropTarget } from './components/DropTarget.js';
import { LoadingVeil } from './components/LoadingVeil.js';
import { NavRail } from './components/NavRail.js';
import { ConnectionNotice, RestartNotice, TraceLostNotice } from './components/Notices.js';
import { OpenError } from './components/OpenError.js';
import { StatusBar } from './components/StatusBar.js';
import { Toasts } from './components/Toasts.js';
import { TopBar } from './components/TopBar.js';
import { ComparePage } from './pages/ComparePage.js';
import { ExperimentPage } from './pages/ExperimentPage.js';
import { JobsPage } from './pages/JobsPage.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { RejectedPage } from './pages/RejectedPage.js';
import { RunPage } from './pages/RunPage.js';
import { RunsPage } from './pages/RunsPage.js';
import { StartPage } from './pages/StartPage.js';
import { services } from './services.js';
import { useTraceStore } from './stores/trace.js';
import { useUiStore } from './stores/ui.js';

function CurrentPage() {
  const page = useUiStore((s) => s.page);
  const hasTrace = useTraceStore((s) => s.summary !== null);
  // Experiments need no open trace: they name theirs in the config.
  if (page === 'experiment') return <ExperimentPage />;
  if (page === 'runs') return <RunsPage />;
  if (page === 'run') return <RunPage />;
  if (page === 'compare') return <ComparePage />;
  if (!hasTrace || page === 'start') return <StartPage />;
  if (page === 'jobs') return <JobsPage />;
  if (page === 'rejected') return <RejectedPage />;
  return <OverviewPage />;
}

export function App() {
  useEffect(() => services().host.onMenuCommand(handleMenuCommand), []);

  // In a browser, Ctrl/Cmd+O opens a trace (on the desktop the menu's accelerator does).
  useEffect(() => {
    if (services().host.kind !== 'browser') return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        void openTraceWithPicker();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="app">
      <TopBar />
      <NavRail />
      <main className="main" id="main">
        <RestartNoticeSlot />
        <CurrentPage />
        <LoadingVeil />
      </main>
      <StatusBar />
      <AboutDialog />
      <Toasts />
      <DropTarget />
    </div>
  );
}

/** Notices of every page: the back end's state, and a trace that could not be opened from anywhere (top bar, menu, drop). */
function RestartNoticeSlot() {
  return (
    <div className="global-notices">
      <ConnectionNotice />
      <RestartNotice />
      <TraceLostNotice />
      <OpenError />
    </div>
  );
}
